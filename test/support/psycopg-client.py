"""A psycopg 3 client for test/sqlwire-psycopg.test.ts: connects to the wire server with the key
user, runs parameterised queries the way psycopg does by default (outside autocommit, so a BEGIN
first; Decimal and str sent as text, int and date in binary), sends a statement the server
refuses, and prints what it saw as one JSON object."""
import datetime
import json
import os
from decimal import Decimal

import psycopg

out = {"psycopg": psycopg.__version__}
with psycopg.connect(
    host=os.environ["WIRE_HOST"],
    port=int(os.environ["WIRE_PORT"]),
    user="key",
    password=os.environ["WIRE_PASSWORD"],
    dbname="warehouse",
    application_name="psycopg-test",
) as conn:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT id, amount, day FROM marts.py_values WHERE amount > %s AND id <= %s AND day >= %s ORDER BY id",
            [Decimal("0.01"), 10, datetime.date(2026, 3, 1)],
        )
        out["rows"] = [
            [r[0], str(r[1]), type(r[1]).__name__, r[2].isoformat()] for r in cur.fetchall()
        ]
        cur.execute(
            "SELECT %s::DECIMAL(38,10) AS echo", [Decimal("12345678901234567890.0123456789")]
        )
        echo = cur.fetchone()[0]
        out["echo"] = [str(echo), type(echo).__name__]
        out["transaction"] = conn.info.transaction_status.name
    try:
        conn.execute("DROP TABLE marts.py_values")
        out["refused"] = None
    except psycopg.Error as e:
        out["refused"] = {"sqlstate": e.sqlstate, "message": str(e)}
        conn.rollback()
    out["after"] = conn.execute("SELECT count(*) FROM marts.py_values").fetchone()[0]
print(json.dumps(out))
