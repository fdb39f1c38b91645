"""SMS and voice: a provider interface (providers.py), Twilio (twilio.py) and Vonage (vonage.py)
implementations, and the two channels that hand a message to the first provider that takes it."""
