"""各类服务综合评价 — service reviews, complaints and follow-up."""
