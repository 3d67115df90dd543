/*
 * fake_version.c - a stand-in libmppoint.so whose mp_version() reports another version.
 *
 * The bindings' tests load it in place of the real library to check their version guards: a
 * library of the same major and a newer minor must be accepted, one of an older minor or of
 * another major refused with the binding's version error. scripts/version-stand-in.sh builds
 * it in one of two ways:
 * - alone, it exports only mp_version: a guard must refuse it before the binding touches any
 *   other function (which would be missing);
 * - linked against the real library, every other export is the real one (the loader finds a
 *   name the stand-in lacks in the libraries it depends on): a library that says FAKE_VERSION
 *   and works, as a newer minor version would.
 *
 * Build: scripts/version-stand-in.sh VERSION DIR [REAL_LIBRARY]
 * (cc -shared -fPIC -DFAKE_VERSION='"X.Y.Z"' -o DIR/libmppoint.so fake_version.c ...)
 */
const char *mp_version(void);

const char *mp_version(void)
{
    return FAKE_VERSION;
}
