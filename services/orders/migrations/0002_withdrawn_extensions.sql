-- An extension request still open when the seller delivers or either party cancels is
-- withdrawn: it can no longer be answered, and a new one may be asked after a revision.
ALTER TABLE extensions DROP CONSTRAINT extensions_status_check;
ALTER TABLE extensions ADD CONSTRAINT extensions_status_check
    CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn'));
