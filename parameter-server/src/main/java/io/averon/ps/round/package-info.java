/**
 * The averaging round logic of the parameter server, with no networking and no threads: a
 * {@link io.averon.ps.round.RoundCoordinator} (owned by one thread and driven with explicit
 * timestamps) admits workers, tracks their liveness, accepts or refuses their contributions, and
 * closes each synchronous round with an exact, fixed-order, sample-weighted mean followed by an
 * optional outer optimizer step; {@link io.averon.ps.round.RoundStateStore} persists the result of
 * each closed round atomically so a restarted server continues where it stopped.
 */
package io.averon.ps.round;
