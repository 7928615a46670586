"""宿舍及楼宇信息发布 — dorm and building notices."""
