"""Room safety inspections (楼宇安全检查): rounds, room checks and hazards followed until fixed."""
