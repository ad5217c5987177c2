-- The earliest time the next log-in attempt on an attacked account (subject 'account:<e-mail>') or from a
-- failing address ('address:<ip>') may be checked. Each attempt raises it by the spacing in one short write
-- transaction, so parallel guesses are spaced out instead of all waiting at once.
CREATE TABLE login_slots (
    subject TEXT PRIMARY KEY NOT NULL,
    not_before TIMESTAMP NOT NULL
);
