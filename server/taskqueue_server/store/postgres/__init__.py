"""The PostgreSQL adapter of the store port (psycopg 3): store/postgres/database.py."""
