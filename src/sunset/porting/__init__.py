"""Number portability (携号转网): rule sets by region and date, and the porting flow."""
