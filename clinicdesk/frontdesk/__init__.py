"""The front desk: today board, check-in and check-out, walk-ins and the visitor log."""
