"""``dialin``: parse, call, print. Exit codes come from one place: ``main``."""

from __future__ import annotations

import sys

import click
from sqlalchemy.exc import OperationalError

from dialin import __version__
from dialin.cli.console import err
from dialin.cli.db import db
from dialin.cli.experiment_plot import plot
from dialin.cli.experiments import experiment
from dialin.cli.init import init
from dialin.cli.optimize import optimize
from dialin.cli.run import run
from dialin.cli.server import server
from dialin.cli.tokens import token
from dialin.cli.trials import trial
from dialin.errors import DialinError, InvalidField, NotFound, SchemaMismatch

__all__ = ["cli", "main"]

EXIT_USAGE = 2
EXIT_FAILURE = 1


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dialin")
def cli() -> None:
    """dialin: self-hosted hyperparameter optimization with SigOpt's API."""


cli.add_command(server)
cli.add_command(token)
cli.add_command(db)
cli.add_command(trial)
cli.add_command(experiment)
cli.add_command(init)
cli.add_command(run)
cli.add_command(optimize)
experiment.add_command(plot)


def main() -> None:
    try:
        code = cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        err.print("aborted")
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except (InvalidField, SchemaMismatch) as error:
        err.print(f"dialin: {error.message}", markup=False)
        sys.exit(EXIT_USAGE)
    except NotFound as error:
        err.print(f"dialin: {error.message}", markup=False)
        sys.exit(EXIT_FAILURE)
    except DialinError as error:
        err.print(f"dialin: {error.message}", markup=False)
        sys.exit(EXIT_FAILURE)
    except OperationalError as error:
        err.print(f"dialin: cannot use the database: {error.orig}", markup=False)
        sys.exit(EXIT_FAILURE)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
