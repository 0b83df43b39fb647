"""Xietong (协同): a platform for court-led inclusive-finance judicial collaboration centers."""
