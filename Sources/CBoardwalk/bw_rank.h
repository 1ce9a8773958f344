/* bw_rank.h - candidate features (features.c) and learned rankers
 * (ranker.c), private to libboardwalk: what query.c calls to compute the
 * features of a query's candidates and to score and order them. */
#ifndef BW_RANK_H
#define BW_RANK_H

#include "boardwalk.h"
#include "bw_internal.h"

struct bw_delta;

/** What features need of a query beyond the walk's tables: its sources, its
 * user's language and topic, the language and topic weights of its nodes.
 * Made before the walk runs (while the sources exist), freed after. */
typedef struct bw_feature_query bw_feature_query;

/** 0 or BW_ENOMEM. `cfg` is the query's walk configuration (its language
 * and topic); sources are the walk's (known, weight > 0). */
BW_HIDDEN int bw_features_begin(bw_feature_query **out, const bw_view *g, const struct bw_delta *d,
                                const bw_walk_config *cfg, const bw_walk_source *sources, size_t nsources);
BW_HIDDEN void bw_features_end(bw_feature_query *fq);

/** The features of n nodes of the last run in ctx into out (n rows of
 * BW_FEATURE_COUNT). known[i] == 0 marks a node that is not in the graph
 * (its row is zeros); known may be NULL (all known). 0 or BW_ENOMEM. */
BW_HIDDEN int bw_features_compute(const bw_feature_query *fq, const bw_walk_ctx *ctx, const bw_walk_hit *nodes,
                                  const uint8_t *known, size_t n, double *out);

/** The model's score of one row of BW_FEATURE_COUNT features (finite). */
BW_HIDDEN double bw_ranker_eval(const bw_ranker *r, const double *features);

/** The model's scores of n rows (the same values as bw_ranker_eval). */
BW_HIDDEN void bw_ranker_eval_rows(const bw_ranker *r, const double *features, size_t n, double *out);

/** Orders n scores best first (ties by index) into order[0 .. n). 0 or BW_ENOMEM. */
BW_HIDDEN int bw_rank_order(const double *scores, size_t n, size_t *order);

#endif /* BW_RANK_H */
