"""Progress statistics: month-end snapshots, official series, forecasts of the clearance date."""
