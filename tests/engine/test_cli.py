"""The command line: small helpers the GUI shares with it."""


def test_units_are_pluralised_as_written_english():
    from engine.cli import plural
    assert [plural(u) for u in ("sweep", "epoch", "minibatch", "chunk")] == \
        ["sweeps", "epochs", "minibatches", "chunks"]
