"""Rule implementations shared by `validate` and `build`: one function per check, both callers use it."""
