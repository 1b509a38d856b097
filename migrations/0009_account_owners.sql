-- Who owns each account (issue 13): the `sub` of the user it was opened for, recorded in its AccountCreated event
-- (data.ownerId) and, in the same transaction, on its number's reservation, which is the index every ownership
-- check reads (commands, account reads, the transactions report, a customer's balances report).
-- Accounts opened before owners were recorded have none: only tellers and admins see them.
ALTER TABLE event_store.account_numbers ADD COLUMN owner_id text;

UPDATE event_store.account_numbers AS reserved
   SET owner_id = created.data->>'ownerId'
  FROM event_store.events AS created
 WHERE created.stream_id = reserved.account_id::text
   AND created.stream_version = 1
   AND created.data ? 'ownerId';

CREATE INDEX account_numbers_owner_id_idx ON event_store.account_numbers (owner_id, account_id)
 WHERE owner_id IS NOT NULL;
