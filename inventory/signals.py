"""Signals other apps may listen to. Inventory never imports its listeners.

`stock_received` is sent after the transaction that received stock has committed (a
purchase receipt, a restocked return, a transfer received at its destination), with
`location_id` (int) and `sku_ids` (a sorted list of ints). Receivers run outside any
transaction the receipt held, so they may queue tasks; they must not assume the
receipt is the only change since.
"""

from django.dispatch import Signal

stock_received = Signal()
