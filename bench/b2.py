"""placeholder"""


def run(ctx):
    pass


def run_small(ctx, name):
    pass
