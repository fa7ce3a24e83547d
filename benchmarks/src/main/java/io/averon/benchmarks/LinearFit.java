package io.averon.benchmarks;

/**
 * An ordinary least-squares line {@code y = intercept + slope * x}, with its coefficient of
 * determination. For a training step's cost: {@code ms_per_step = fixed + perExample * batch}.
 *
 * @param intercept  y at x = 0 (the fixed cost of a step)
 * @param slope      increase of y per unit of x (the cost of one more example)
 * @param rSquared   share of y's variance the line explains (1 for points on a line)
 */
record LinearFit(double intercept, double slope, double rSquared) {

    /** Fits {@code ys} against {@code xs}; needs at least two distinct x values. */
    static LinearFit leastSquares(double[] xs, double[] ys) {
        if (xs.length != ys.length) {
            throw new IllegalArgumentException(xs.length + " x values but " + ys.length + " y values");
        }
        int n = xs.length;
        double meanX = 0;
        double meanY = 0;
        for (int i = 0; i < n; i++) {
            meanX += xs[i] / n;
            meanY += ys[i] / n;
        }
        double sxx = 0;
        double sxy = 0;
        double syy = 0;
        for (int i = 0; i < n; i++) {
            double dx = xs[i] - meanX;
            double dy = ys[i] - meanY;
            sxx += dx * dx;
            sxy += dx * dy;
            syy += dy * dy;
        }
        if (n < 2 || sxx == 0) {
            throw new IllegalArgumentException("a line needs at least two distinct x values");
        }
        double slope = sxy / sxx;
        double intercept = meanY - slope * meanX;
        double residual = 0;
        for (int i = 0; i < n; i++) {
            double r = ys[i] - (intercept + slope * xs[i]);
            residual += r * r;
        }
        return new LinearFit(intercept, slope, syy == 0 ? 1 : 1 - residual / syy);
    }
}
