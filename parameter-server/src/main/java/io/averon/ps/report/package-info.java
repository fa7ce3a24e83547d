/**
 * The report channel from training workers to the job's driver: a worker publishes small JSON
 * reports (its epoch's partial metrics) and float vectors (the averaged model of an epoch) to the
 * driver's UDP endpoint, with the same authenticated message format as the parameter server
 * (PROTOCOL.md, types REPORT and REPORT_VECTOR). The driver needs no connection to the
 * parameter server, wherever that runs.
 */
package io.averon.ps.report;
