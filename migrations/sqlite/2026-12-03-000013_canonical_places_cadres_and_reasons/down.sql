-- The free-text spellings that were mapped onto the lists are not kept, so there is nothing to restore; the
-- canonical values are valid free text too.
SELECT 1;
