"""The only place with SQL: the connection, the migrations, and one module per aggregate.
Each table is written by exactly one module (tests/test_architecture.py checks it)."""
