-- A buyer who pays by SEPA direct debit: the mandate's reference and the account debited (BT-89,
-- BT-91 of an e-invoice). With both, the buyer's e-invoices name direct debit (59) instead of a
-- transfer to the seller's account.
ALTER TABLE einvoicing ADD COLUMN mandate_reference TEXT;
ALTER TABLE einvoicing ADD COLUMN debtor_iban TEXT;
