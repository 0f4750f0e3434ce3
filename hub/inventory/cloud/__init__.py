"""Cloud sync: the hub runs the opsjob.cloud inventory plugins of ``inventory_plugins/``
(loaded by path) and upserts their instances as hosts. ``plugins`` loads them, ``upsert``
writes hosts, ``services`` holds the audited workflows (cloud accounts, sync requests, the
sync run)."""
