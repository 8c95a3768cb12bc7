/* mapfile.c — read-only maps of input files, and small text files. */
#include "convert/convert.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"

gorilla_status cv_map_open(const char *path, cv_map *m, gorilla_error *err)
{
    memset(m, 0, sizeof *m);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return gorilla_fail(err, GORILLA_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return gorilla_fail(err, GORILLA_ERR_IO, "%s: not a regular file", path);
    }
    if (!(m->path = strdup(path))) {
        close(fd);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    m->size = (size_t)sb.st_size;
    if (m->size > 0) {
        void *p = mmap(NULL, m->size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            close(fd);
            gorilla_status st = gorilla_fail(err, GORILLA_ERR_IO, "%s: cannot map: %s", path, strerror(errno));
            cv_map_close(m);
            return st;
        }
        m->data = p;
    }
    close(fd);
    return GORILLA_OK;
}

void cv_map_close(cv_map *m)
{
    if (!m) return;
    if (m->data) munmap((void *)m->data, m->size);
    free(m->path);
    memset(m, 0, sizeof *m);
}

gorilla_status cv_read_text(const char *path, size_t max_bytes, char **out, size_t *len, gorilla_error *err)
{
    *out = NULL;
    cv_map m;
    gorilla_status st = cv_map_open(path, &m, err);
    if (st) return st;
    if (m.size > max_bytes) {
        cv_map_close(&m);
        return gorilla_fail(err, GORILLA_ERR_LIMIT, "%s: %zu bytes is larger than the %zu allowed", path, m.size,
                            max_bytes);
    }
    char *s = malloc(m.size + 1);
    if (!s) {
        cv_map_close(&m);
        return gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
    }
    if (m.size) memcpy(s, m.data, m.size);
    s[m.size] = 0;
    if (len) *len = m.size;
    cv_map_close(&m);
    *out = s;
    return GORILLA_OK;
}
