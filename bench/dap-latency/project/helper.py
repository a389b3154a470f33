# Never called by cpu(): breakpoints here must cost cpu() nothing.


def unused(x):
    y = x + 1
    return y
