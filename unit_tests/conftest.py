"""pytest hooks of the unit tests: tables tests leave for the summary."""

import pytest

TABLES = pytest.StashKey()


@pytest.fixture
def summary_table(request):
    """add(title, lines): a table printed at the end of the run, where
    `make test` shows it without -s."""
    tables = request.config.stash.setdefault(TABLES, [])
    return lambda title, lines: tables.append((title, lines))


def pytest_terminal_summary(terminalreporter, config):
    for title, lines in config.stash.get(TABLES, []):
        terminalreporter.section(title)
        for line in lines:
            terminalreporter.write_line(line)
