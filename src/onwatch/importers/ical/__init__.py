"""iCalendar adapter: any rotation published as an iCal feed, read into one onwatch schedule."""
