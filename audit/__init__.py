"""The audit trail: who changed which master-data record, when, before and after."""
