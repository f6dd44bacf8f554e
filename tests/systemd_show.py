"""What `systemctl show -p Id -p ActiveEnterTimestampMonotonic <units>`
prints, read: the local-cloud tests and the zaza suite both ask it."""

SHOW_START_TIMES = ['show', '-p', 'Id', '-p', 'ActiveEnterTimestampMonotonic']


def start_times(text):
    """{service: monotonic start time} from that output."""
    times, current = {}, None
    for line in text.splitlines():
        key, _, value = line.partition('=')
        if key == 'Id':
            current = value.replace('.service', '')
        elif key == 'ActiveEnterTimestampMonotonic':
            times[current] = int(value)
    return times
