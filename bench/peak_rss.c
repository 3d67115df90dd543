/* Runs a command and prints its peak resident set size in KiB (ru_maxrss of the child), then
 * exits with the command's status.
 *
 *   peak_rss CMD [ARGS...] */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CMD [ARGS...]\n", argv[0]);
        return 2;
    }
    pid_t child = fork();
    if (child == 0) {
        execvp(argv[1], argv + 1);
        perror(argv[1]);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    if (child < 0 || wait4(child, &status, 0, &ru) != child) {
        perror("fork/wait");
        return 1;
    }
    fprintf(stderr, "peak_rss_kib=%ld\n", ru.ru_maxrss);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
