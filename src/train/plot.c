/* plot.c — `gorilla train plot`: the training and validation loss of a
 * --log JSON-lines file drawn as an SVG line chart (our own writer). */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "gorilla/train.h"
#include "store/jsonl.h"

typedef struct {
    double *x, *y;
    size_t n, cap;
} series;

static int series_add(series *s, double x, double y)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 256;
        double *a = realloc(s->x, nc * sizeof *a);
        if (!a) return -1;
        s->x = a;
        double *b = realloc(s->y, nc * sizeof *b);
        if (!b) return -1;
        s->y = b;
        s->cap = nc;
    }
    s->x[s->n] = x;
    s->y[s->n++] = y;
    return 0;
}

static void polyline(FILE *f, const series *s, const char *color, double x0, double x1, double y0, double y1)
{
    if (!s->n) return;
    fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"", color);
    for (size_t i = 0; i < s->n; i++) {
        double px = 60 + (s->x[i] - x0) / (x1 - x0) * 560, py = 330 - (s->y[i] - y0) / (y1 - y0) * 300;
        fprintf(f, "%.1f,%.1f ", px, py);
    }
    fprintf(f, "\"/>\n");
}

gorilla_status gorilla_train_plot(const char *log_path, const char *svg_path, gorilla_error *err)
{
    char *data;
    size_t len;
    gorilla_status st = jsonl_read_file(log_path, &data, &len, err);
    if (st) return st;
    series tr = {0}, va = {0};
    size_t line = 0, pos = 0;
    while (pos < len && !st) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - data) : len;
        line++;
        if (end > pos) {
            json_error_t je;
            json_t *o = json_loadb(data + pos, end - pos, 0, &je);
            if (!o) st = gorilla_fail(err, GORILLA_ERR_PARSE, "%s:%zu:%d: %s", log_path, line, je.column, je.text);
            else {
                json_t *step = json_object_get(o, "step"), *loss = json_object_get(o, "loss");
                json_t *val = json_object_get(o, "val_loss");
                if (json_is_number(step) && json_is_number(loss) &&
                    series_add(&tr, json_number_value(step), json_number_value(loss)))
                    st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
                if (!st && json_is_number(step) && json_is_number(val) &&
                    series_add(&va, json_number_value(step), json_number_value(val)))
                    st = gorilla_fail(err, GORILLA_ERR_NOMEM, "out of memory");
                json_decref(o);
            }
        }
        pos = end + 1;
    }
    free(data);
    if (!st && !tr.n) st = gorilla_fail(err, GORILLA_ERR_INVALID, "%s: no {\"step\", \"loss\"} lines", log_path);
    FILE *f = NULL;
    if (!st && !(f = fopen(svg_path, "w")))
        st = gorilla_fail(err, GORILLA_ERR_IO, "%s: cannot write: %s", svg_path, strerror(errno));
    if (!st) {
        double x0 = tr.x[0], x1 = tr.x[0], y0 = 0, y1 = tr.y[0];
        const series *all[2] = {&tr, &va};
        for (int k = 0; k < 2; k++)
            for (size_t i = 0; i < all[k]->n; i++) {
                if (all[k]->x[i] < x0) x0 = all[k]->x[i];
                if (all[k]->x[i] > x1) x1 = all[k]->x[i];
                if (isfinite(all[k]->y[i]) && all[k]->y[i] > y1) y1 = all[k]->y[i];
            }
        if (x1 <= x0) x1 = x0 + 1;
        if (y1 <= y0) y1 = y0 + 1;
        fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"380\" font-family=\"sans-serif\" "
                   "font-size=\"12\">\n<rect width=\"640\" height=\"380\" fill=\"white\"/>\n");
        fprintf(f, "<line x1=\"60\" y1=\"330\" x2=\"620\" y2=\"330\" stroke=\"black\"/>\n"
                   "<line x1=\"60\" y1=\"30\" x2=\"60\" y2=\"330\" stroke=\"black\"/>\n");
        for (int i = 0; i <= 5; i++) {
            double yv = y0 + (y1 - y0) * i / 5, xv = x0 + (x1 - x0) * i / 5;
            fprintf(f, "<text x=\"54\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>\n", 334 - 60.0 * i, yv);
            fprintf(f, "<text x=\"%.1f\" y=\"348\" text-anchor=\"middle\">%.0f</text>\n", 60 + 112.0 * i, xv);
        }
        fprintf(f, "<text x=\"340\" y=\"372\" text-anchor=\"middle\">step</text>\n"
                   "<text x=\"340\" y=\"20\" text-anchor=\"middle\">loss (assistant tokens)</text>\n");
        polyline(f, &tr, "#1f77b4", x0, x1, y0, y1);
        polyline(f, &va, "#d62728", x0, x1, y0, y1);
        fprintf(f, "<text x=\"560\" y=\"50\" fill=\"#1f77b4\">train</text>\n");
        if (va.n) fprintf(f, "<text x=\"560\" y=\"66\" fill=\"#d62728\">validation</text>\n");
        fprintf(f, "</svg>\n");
        if (fclose(f)) st = gorilla_fail(err, GORILLA_ERR_IO, "%s: write failed", svg_path);
    }
    free(tr.x);
    free(tr.y);
    free(va.x);
    free(va.y);
    return st;
}
