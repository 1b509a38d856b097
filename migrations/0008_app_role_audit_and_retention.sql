-- What the application role needs for the read-model audit (0007) and idempotency-key expiry: the audit's own state,
-- re-projecting a divergent account (its read-model rows are replaced, or removed when the store never had it), and
-- taking over or purging expired idempotency keys. Still no DDL.
GRANT SELECT, INSERT, UPDATE, DELETE ON read_model.audits TO ledgerline_app;
GRANT DELETE ON read_model.balances, read_model.transactions, read_model.account_progress TO ledgerline_app;
GRANT UPDATE, DELETE ON event_store.idempotency_keys TO ledgerline_app;
