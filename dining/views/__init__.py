"""Views of the dining app: public pages (public.py), staff pages and price pages."""
