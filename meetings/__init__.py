"""Organisational life: 三会一课, 主题党日, attendance, rule sets and compliance."""
