/*
 * test_exec.c: the executor's plan keeps results exact. The same graphs run
 * with fused elementwise chains and in-place reuse, and with neither
 * (no_fuse, no_inplace); every output must match bit for bit, and the
 * planned arena must be no larger than the unplanned sum of activations.
 */
#include "exec.h"
#include "ir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

/* chains with a scalar and per-channel operands, a materialized middle
 * value read after the chain, a value read twice (HardSwish's x), an
 * in-place candidate, and a model output inside a chain */
static const char *graph_text =
	"ir 1.0\n"
	"input x: f32[2,3,5,7]\n"
	"input s: f32[1,3,1,1]\n"
	"const three: f32[] = [3.0]\n"
	"const six: f32[] = [6.0]\n"
	"const chan: f32[3,1,1] = [0.5, -1.0, 2.0]\n"
	"node a Add(x, three) -> (t1: f32[2,3,5,7])\n"
	"node c Clip(t1) -> (t2: f32[2,3,5,7]) max=6.0 min=0.0\n"
	"node m Mul(x, t2) -> (t3: f32[2,3,5,7])\n"
	"node d Div(t3, six) -> (hs: f32[2,3,5,7])\n"
	"node cs Mul(hs, chan) -> (t4: f32[2,3,5,7])\n"
	"node ss Mul(s, t4) -> (t5: f32[2,3,5,7])\n"
	"node sg Sigmoid(t5) -> (t6: f32[2,3,5,7])\n"
	"node gp GlobalAveragePool(t3) -> (g: f32[2,3,1,1])\n"
	"node e Sub(t6, g) -> (t7: f32[2,3,5,7])\n"
	"node r Relu(t7) -> (t8: f32[2,3,5,7])\n"
	"node tn Tanh(t8) -> (y: f32[2,3,5,7])\n"
	"output y\n"
	"output t5\n";

static void run(struct ir_graph *g, const void *const *in, int fuse, float **out, size_t *arena)
{
	struct ir_exec_opts o = {.threads = 1, .no_fuse = !fuse, .no_inplace = !fuse};
	struct ir_exec *x = ir_exec_new(g, &o);
	if (!x || ir_exec_run(x, in) < 0) {
		printf("test_exec: FAIL run: %s\n", ir_errmsg);
		exit(1);
	}
	for (int i = 0; i < g->n_outputs; i++) {
		size_t nb = ir_tensor_nbytes(g->tensors[g->outputs[i]]);
		out[i] = malloc(nb);
		memcpy(out[i], ir_exec_output(x, i), nb);
	}
	*arena = ir_exec_arena_bytes(x);
	if (fuse) {
		int fused = 0;
		for (int i = 0; i < g->n_nodes; i++)
			fused += ir_exec_fused_len(x, i) > 1;
		if (fused == 0) {
			printf("test_exec: FAIL no chain was fused\n");
			failed++;
		}
	}
	ir_exec_free(x);
}

int main(void)
{
	struct ir_graph *g = ir_text_parse(graph_text, strlen(graph_text), "graph");
	if (!g) {
		printf("test_exec: FAIL parse: %s\n", ir_errmsg);
		return 1;
	}
	float xv[2 * 3 * 5 * 7], sv[3] = {0.25f, -0.75f, 1.5f};
	for (int i = 0; i < 210; i++)
		xv[i] = (float)((i * 37) % 101) / 10.0f - 5.0f;
	const void *in[2] = {xv, sv};
	float *a[2], *b[2];
	size_t arena_a, arena_b;
	run(g, in, 1, a, &arena_a);
	run(g, in, 0, b, &arena_b);
	for (int i = 0; i < g->n_outputs; i++) {
		size_t nb = ir_tensor_nbytes(g->tensors[g->outputs[i]]);
		if (memcmp(a[i], b[i], nb)) {
			printf("test_exec: FAIL output %s differs between fused and plain runs\n",
			       g->tensors[g->outputs[i]]->name);
			failed++;
		} else {
			passed++;
		}
		free(a[i]);
		free(b[i]);
	}
	if (arena_a > arena_b) {
		printf("test_exec: FAIL fused arena %zu > plain %zu\n", arena_a, arena_b);
		failed++;
	} else {
		passed++;
	}
	ir_graph_free(g);
	printf("test_exec: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
