"""Price supervision (菜价监督), a sub-domain of dining with the same rooms: services (price
changes, rule checks at publishing, the price index), forms, filters, pages (views) and API."""
