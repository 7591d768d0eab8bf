"""Students' work on a real database: SQLAlchemy 2 models, Alembic migrations, a small API.

Pages never build queries: they call these functions, each one unit of work on one
`Session` (`Store.write` / `Store.read`), each taking the student's `Identity` and
filtering by it. SQLite in the data folder by default, PostgreSQL when
`MLP_LAB_DATABASE_URL` names one. Imports mlp_core only (no Streamlit).

More tables (a class board...) go in their own module: models on `mlp_store.db.Base`
with `identity_id` ON DELETE CASCADE where a student owns them, functions taking a
`Store`, and an Alembic revision in `mlp_store/migrations/versions/` after the newest.
"""

from mlp_store import models
from mlp_store.db import Base, Store, close_stores, data_dir, database_url, open_store
from mlp_store.errors import LimitReached, NotFound, Refused, StoreError, Unavailable
from mlp_store.identity import (
    Identity,
    forget,
    housekeeping,
    identity_for,
    new_secret,
    redeem,
    transfer_code,
)
from mlp_store.kept import (
    Kept,
    comparisons_of,
    delete_comparison,
    delete_snapshot,
    save_comparison,
    save_snapshot,
    snapshots_of,
)
from mlp_store.runs import (
    MAX_BYTES,
    MAX_RUNS,
    RunRecord,
    RunSummary,
    Saved,
    StoredRun,
    delete_run,
    load_run,
    runs_of,
    save_run,
    star,
)

__all__ = [
    "MAX_BYTES",
    "MAX_RUNS",
    "models",
    "Base",
    "Identity",
    "Kept",
    "LimitReached",
    "NotFound",
    "Refused",
    "RunRecord",
    "RunSummary",
    "Saved",
    "Store",
    "StoreError",
    "StoredRun",
    "Unavailable",
    "close_stores",
    "comparisons_of",
    "data_dir",
    "database_url",
    "delete_comparison",
    "delete_run",
    "delete_snapshot",
    "forget",
    "housekeeping",
    "identity_for",
    "load_run",
    "new_secret",
    "open_store",
    "redeem",
    "runs_of",
    "save_comparison",
    "save_run",
    "save_snapshot",
    "snapshots_of",
    "star",
    "transfer_code",
]
