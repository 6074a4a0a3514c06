"""The `newsdesk` command: open a store, or run one of its subcommands.

A subcommand ends in its output and an exit status, or in one line on
stderr and a non-zero status: never in a traceback. The subcommands handle
what they expect (a bad store, a failed fetch); `run_subcommand()` is the
guard around them for the rest. Output that cannot be written is the case
every one of them shares (`output_failed()`): a reader that went away
(`newsdesk export | head`) ends the command quietly with status 0, as
well-behaved Unix tools do; a full disk or `> /dev/full` is one line,
`newsdesk: cannot write output: No space left on device`, and status 1.
Either way stdout is then pointed at /dev/null, so that the interpreter's
last flush of what is still buffered does not fail a second time at exit
("Exception ignored ... OSError").
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from reader import __version__, gc_pause

FRAMES_PER_SECOND = 120

SUBCOMMANDS = ("preview", "export", "count", "config", "keys")

DESCRIPTION = """\
A keyboard-driven terminal reader for a local store of news articles.

A store is a folder of .txt/.md files, each a YAML front matter document.
With no STORE, newsdesk opens the sample store that ships with it."""

EPILOG = """\
subcommands:
  newsdesk preview URL [--format text|markdown|json]
                        print the readable text of a web page
  newsdesk export [STORE] [--format json|csv|markdown] [--query Q]
                        print the articles with their triage state
  newsdesk count [STORE] [--query Q] [--stories]
                        print how many articles match a query
  newsdesk config [--check] [--config PATH]
                        print the settings in force, or check the settings file
  newsdesk keys [--markdown] [--config PATH]
                        print every key of every screen (with [keys] applied)

Run 'newsdesk SUBCOMMAND --help' for each one's options.
Inside the reader, press ? for every key."""


def _open_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsdesk",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "store",
        nargs="?",
        type=Path,
        metavar="STORE",
        help="folder of articles to open (default: the bundled sample store)",
    )
    parser.add_argument(
        "--state",
        type=Path,
        metavar="PATH",
        help="triage state file (default: state.sqlite3 in the user data folder)",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        metavar="PATH",
        help="the store's index file (default: one per store in the user cache folder)",
    )
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="read every file again instead of starting from the index",
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="start in the Inbox at the top, not where the last session stopped",
    )
    _add_config_option(parser)
    parser.add_argument("--version", action="version", version=f"newsdesk {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in SUBCOMMANDS:
        return run_subcommand(args[0], args[1:])
    options = _open_parser().parse_args(args)
    return open_store(
        options.store,
        options.state,
        options.cache,
        options.rebuild,
        options.fresh,
        config_file=options.config,
    )


def _fail(message: str) -> int:
    print(f"newsdesk: {message}", file=sys.stderr)
    return 2


def open_store(
    store: Path | None,
    state_path: Path | None = None,
    cache: Path | None = None,
    rebuild: bool = False,
    fresh: bool = False,
    config_file: Path | None = None,
) -> int:
    # No cyclic collections until the first screen is drawn (the app ends
    # the hold then): the imports and the screen's widgets would otherwise
    # cost about 70 ms of collections that find next to nothing.
    gc_pause.hold_start_up()
    try:
        return _open_store(store, state_path, cache, rebuild, fresh, config_file)
    finally:
        gc_pause.start_up_done()


def _open_store(
    store: Path | None,
    state_path: Path | None,
    cache: Path | None,
    rebuild: bool,
    fresh: bool = False,
    config_file: Path | None = None,
) -> int:
    from reader.store.files import SAMPLE_STORE, StoreError, check_store, scan

    path = store if store is not None else SAMPLE_STORE
    try:
        root = check_store(path)
        if next(scan(root), None) is None:
            return _fail(f"no article files (.txt or .md) in {path}")
    except StoreError as error:
        return _fail(str(error))
    except OSError as error:
        return _fail(f"cannot read store {path}: {error.strerror or error}")

    from reader.config import config_path, load_config
    from reader.malloc import use_one_arena
    from reader.triage.state import (
        State,
        StateCorruptError,
        StateError,
        StateVersionError,
        default_state_path,
        start_clean,
    )

    # What is said before the screen takes over is shown on it, not printed
    # to a terminal the screen is about to cover.
    notices: list[str] = []
    state_file = state_path or default_state_path()
    try:
        state = State(state_file)
    except StateVersionError as error:
        return _fail(f"{error}; upgrade newsdesk, or name another file with --state")
    except StateCorruptError as error:
        try:
            state, backup = start_clean(state_file)
        except (OSError, StateError) as again:
            return _fail(f"the state file could not be read ({error}), nor replaced: {again}")
        notices.append(
            f"The triage state file could not be read ({error}); it was kept as {backup},"
            " and a clean one started."
        )
    except StateError as error:
        return _fail(str(error))
    from reader.library.session import load_session, session_path

    session_file = session_path(state_file)
    session = None
    if not fresh:
        session, warning = load_session(session_file)
        if warning:
            notices.append(warning)

    # Textual draws at most TEXTUAL_FPS frames a second (60 unless set): a
    # key that comes less than a frame after the last one waits for the next.
    # A reader that follows the cursor wants that wait short.
    os.environ.setdefault("TEXTUAL_FPS", str(FRAMES_PER_SECOND))
    # Before the app starts its threads (see `reader.malloc`).
    use_one_arena()
    from reader.store.index import StoreIndex
    from reader.ui.app import NewsdeskApp, theme_names

    settings_file = config_path(config_file)
    config, warnings = load_config(settings_file, themes=theme_names())
    notices.extend(warnings)
    index = StoreIndex(root, cache, rebuild=rebuild)
    title = "sample store" if store is None else str(path)
    app = NewsdeskApp(
        root,
        state=state,
        config=config,
        title=title,
        index=index,
        notices=notices,
        session=session,
        session_file=session_file,
        config_path=settings_file,
    )
    try:
        app.run()
    finally:
        index.close()
    state = app.library.state  # a new one if the file was found damaged meanwhile
    try:
        # Counted in articles (files), as the app counts them.
        print(state.session_summary(app.library.files_of).describe())
    except StateError as error:
        print(f"newsdesk: {error}", file=sys.stderr)
    finally:
        state.close()
    if app.session_error:
        print(
            f"newsdesk: where this session stopped was not saved: {app.session_error}",
            file=sys.stderr,
        )
    if app.unsaved_at_exit:
        n = len(app.unsaved_at_exit)
        print(
            f"newsdesk: {n} decision{'s' if n != 1 else ''} could not be saved: "
            + "; ".join(app.unsaved_at_exit),
            file=sys.stderr,
        )
        return 1
    return 0


EXIT_INTERNAL = 70
"""A bug (EX_SOFTWARE): said in one line, with its type, rather than a traceback."""


def run_subcommand(name: str, args: list[str]) -> int:
    """Run subcommand `name` with `args`; its exit status, whatever happens.

    Output is flushed here, where a failure can still be reported.
    """
    try:
        status = _subcommand(name, args)
    except SystemExit as done:  # argparse: --help, a usage error
        status = _exit_status(done)
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
    except OSError as error:
        if error.filename is None or isinstance(error, BrokenPipeError):
            return output_failed(error)
        from reader.text import shown_path

        _say(f"{shown_path(error.filename)}: {error.strerror or error}")
        return 1
    except Exception as error:
        from reader.text import clean_line
        from reader.web.urls import redact

        _say(f"internal error ({type(error).__name__}: {clean_line(redact(error))})")
        return EXIT_INTERNAL
    try:
        sys.stdout.flush()
    except OSError as error:
        return output_failed(error)
    except ValueError:  # stdout closed
        pass
    return status


def output_failed(error: OSError) -> int:
    """End a command whose output could not be written; its exit status.

    A closed pipe (the reader went away) is not a failure: nothing is said
    and the status is 0. Anything else (ENOSPC, EIO, ...) is one line on
    stderr and status 1. Either way stdout is pointed at /dev/null, so the
    interpreter's final flush stays quiet.
    """
    _silence_stdout()
    if isinstance(error, BrokenPipeError) or error.errno in (errno.EPIPE, errno.ESHUTDOWN):
        return 0
    reason = error.strerror or (os.strerror(error.errno) if error.errno else "") or str(error)
    _say(f"cannot write output: {reason or type(error).__name__}")
    return 1


def _silence_stdout() -> None:
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, sys.stdout.fileno())
        finally:
            os.close(devnull)


def _say(message: str) -> None:
    """One line on stderr; a stderr that cannot be written is let be."""
    with contextlib.suppress(OSError, ValueError):
        print(f"newsdesk: {message}", file=sys.stderr, flush=True)


def _exit_status(done: SystemExit) -> int:
    if done.code is None:
        return 0
    if isinstance(done.code, int):
        return done.code
    _say(str(done.code))
    return 1


def _add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        metavar="PATH",
        help="settings file (default: $NEWSDESK_CONFIG, else the user config folder's config.toml)",
    )


def _config_command(args: list[str]) -> int:
    from reader.config import config_path, describe, load_config
    from reader.text import shown_path

    parser = argparse.ArgumentParser(
        prog="newsdesk config",
        description="Print the settings in force, each with its default.",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="only check the settings file: its problems and status 1, or 'no problems' and 0",
    )
    _add_config_option(parser)
    options = parser.parse_args(args)
    path = config_path(options.config)
    from reader.ui.app import theme_names

    config, warnings = load_config(path, themes=theme_names())
    shown = shown_path(path)
    if config.queries:
        from reader.library.hide import check_hide_queries

        warnings += [f"{shown}: {problem}" for problem in check_hide_queries(config.queries)]
    if options.check:
        for warning in warnings:
            print(warning)
        n = len(warnings)
        if n:
            print(f"{n} problem{'s' if n != 1 else ''} in {shown}")
            return 1
        print(f"no problems in {shown}" if path.exists() else f"no problems (no file {shown})")
        return 0
    print(f"# {shown}" + ("" if path.exists() else " (no such file: the defaults)"))
    for line in describe(config):
        print(line)
    for warning in warnings:
        _say(warning)
    return 0


def _keys_command(args: list[str]) -> int:
    from reader.actions import markdown_tables, plain_table
    from reader.config import config_path, load_config

    parser = argparse.ArgumentParser(
        prog="newsdesk keys",
        description=(
            "Print every key of every screen, with config.toml's [keys] applied,"
            " and each action's id (what [keys] calls it)."
        ),
    )
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    parser.add_argument(
        "--defaults", action="store_true", help="the default keys, whatever the settings say"
    )
    _add_config_option(parser)
    options = parser.parse_args(args)
    keys = {}
    if not options.defaults:
        config, warnings = load_config(config_path(options.config))
        keys = dict(config.keys)
        for warning in warnings:
            _say(warning)
    if options.markdown:
        sys.stdout.write(markdown_tables(keys))
    else:
        print("\n".join(plain_table(keys)))
    return 0


def _subcommand(name: str, args: list[str]) -> int:
    if name == "config":
        return _config_command(args)
    if name == "keys":
        return _keys_command(args)
    parser = argparse.ArgumentParser(prog=f"newsdesk {name}")
    if name == "preview":
        parser.description = "Fetch a web page and print its readable text."
        parser.add_argument("url", metavar="URL")
        parser.add_argument(
            "--format",
            choices=("text", "markdown", "json"),
            default="text",
            help="text (what the preview pane shows), markdown or json (default: text)",
        )
        parser.add_argument("--cache", type=Path, metavar="DIR", help="page cache folder")
        options = parser.parse_args(args)
        from reader.commands.preview import main as preview_main

        return preview_main(options.url, options.format, options.cache)
    parser.description = (
        "Print the articles of a store with their triage state."
        if name == "export"
        else "Print how many articles of a store match a query."
    )
    parser.epilog = (
        "The store is read through the app's index (only files that changed"
        " are parsed), and a query gives the app's results, bodies included."
    )
    parser.add_argument(
        "store",
        nargs="?",
        type=Path,
        metavar="STORE",
        help="folder of articles (default: the bundled sample store)",
    )
    parser.add_argument("--state", type=Path, metavar="PATH", help="triage state file")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--query", metavar="Q", help="only the articles matching this query")
    which.add_argument(
        "--saved", metavar="NAME", help="only the articles of this saved search (as --query)"
    )
    if name == "export":
        parser.add_argument("--format", choices=("json", "csv", "markdown"), default="json")
    else:
        parser.add_argument(
            "--stories",
            action="store_true",
            help="count stories (the same news told by several providers counts once)",
        )
    parser.add_argument(
        "--cache",
        type=Path,
        metavar="PATH",
        help="the store's index file (default: the app's, one per store in the user cache folder)",
    )
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="read every file again instead of starting from the index",
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="say nothing on stderr about skipped files or the index, only errors",
    )
    options = parser.parse_args(args)
    from reader.commands.export import count_main
    from reader.commands.export import main as export_main

    if name == "export":
        return export_main(
            options.store,
            options.state,
            options.format,
            options.query,
            saved=options.saved,
            cache=options.cache,
            rebuild=options.rebuild,
            quiet=options.quiet,
        )
    return count_main(
        options.store,
        options.state,
        options.query,
        saved=options.saved,
        cache=options.cache,
        rebuild=options.rebuild,
        quiet=options.quiet,
        stories=options.stories,
    )
