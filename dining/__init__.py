"""食堂菜品查询与菜价监督 — canteen menus and dish-price supervision."""
