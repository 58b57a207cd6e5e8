"""The party-masses channel: public requests, routing, deadlines, replies, consultations."""
