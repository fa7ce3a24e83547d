package io.averon.driver.cli;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

import java.io.IOException;
import java.nio.file.Path;

/** A real HDFS in the test JVM (hadoop-client-minicluster): one NameNode, one DataNode, storage under {@code dir}. */
public final class MiniHdfs {

    private MiniHdfs() {
    }

    public static MiniDFSCluster start(Path dir) throws IOException {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.toString());
        MiniDFSCluster hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        hdfs.waitActive();
        return hdfs;
    }
}
