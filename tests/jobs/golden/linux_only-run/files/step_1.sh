uptime
