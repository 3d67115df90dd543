/*
 * fake_version.c - a stand-in libmppoint.so whose mp_version() reports another minor version.
 *
 * The .NET tests load it in a child process (LD_LIBRARY_PATH pointing at it) to check that the
 * binding refuses a library of another major.minor before calling anything else. It exports
 * only mp_version: the guard must throw before the binding touches any other function.
 *
 * Build: cc -shared -fPIC -DFAKE_VERSION='"X.Y.Z"' -o <dir>/libmppoint.so fake_version.c
 * (test.sh passes the next minor version of the real library's).
 */
const char *mp_version(void);

const char *mp_version(void)
{
    return FAKE_VERSION;
}
