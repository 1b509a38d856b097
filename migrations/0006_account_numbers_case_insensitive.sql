-- Account numbers are unique regardless of case (issue 18): "eu-1" is a duplicate of "EU-1". The request schemas
-- store new numbers in upper case; this index makes the reservation itself case-insensitive, for the numbers already
-- reserved as well (lib/commands/accounts/account-numbers.ts inserts against it).
--
-- Numbers reserved before this migration that differ only in case (EU-1 and eu-1, both opened) cannot be merged:
-- both accounts exist and their events are immutable. The earliest reservation of each such group keeps the number;
-- the later ones are marked `case_duplicate` and left out of the index: those accounts go on working, and no new
-- account can take any spelling of the number.
ALTER TABLE event_store.account_numbers ADD COLUMN case_duplicate boolean NOT NULL DEFAULT false;

UPDATE event_store.account_numbers AS reserved
   SET case_duplicate = true
  FROM (
    SELECT account_number,
           row_number() OVER (PARTITION BY upper(account_number) ORDER BY created_at, account_id) AS rank
      FROM event_store.account_numbers
  ) AS ranked
 WHERE ranked.account_number = reserved.account_number
   AND ranked.rank > 1;

CREATE UNIQUE INDEX account_numbers_upper_key
    ON event_store.account_numbers (upper(account_number))
 WHERE NOT case_duplicate;
