"""Webhook bodies: the envelope, each event type's `data` (`shapes`), rendering from the database
(`render`), the documented catalog (`catalog`) and examples built by the same code (`examples`)."""
