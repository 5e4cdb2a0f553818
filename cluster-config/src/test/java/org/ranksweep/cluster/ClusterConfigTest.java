package org.ranksweep.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.spark.internal.config.ConfigEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The parts that cannot run here (YARN, Kubernetes) checked as far as they can be: every key of every
 * spark-defaults file is a setting Spark registers (core, SQL, YARN and Kubernetes modules on the test
 * classpath), the spark-submit command lines submit.sh builds, bad input refused with the argument named,
 * the executor pod template as Kubernetes reads it, and the image recipe against the jar path submitted.
 */
class ClusterConfigTest {
    private static final Path SUBMIT = Scripts.HERE.resolve("submit.sh");
    private static final String GRID = Scripts.ROOT.resolve("examples/smoke.yaml").toString();
    /** Keys Spark reads by prefix (no entry of their own), and this product's own settings. */
    private static final List<String> PREFIXES = List.of("spark.executorEnv.", "spark.yarn.appMasterEnv.",
            "spark.kubernetes.driverEnv.", "spark.kubernetes.driver.label.", "spark.kubernetes.executor.label.",
            "spark.hadoop.", "spark.ranksweep.");

    /** Keys spark-submit itself reads (SparkLauncher's constants, e.g. spark.master), not config entries. */
    private static final java.util.Set<String> LAUNCHER_KEYS = new java.util.HashSet<>();

    static {
        for (java.lang.reflect.Field f : org.apache.spark.launcher.SparkLauncher.class.getFields()) {
            try {
                if (f.getType() == String.class && String.valueOf(f.get(null)).startsWith("spark.")) {
                    LAUNCHER_KEYS.add((String) f.get(null));
                }
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
        // load the objects whose entries register themselves in ConfigEntry's registry
        for (String c : new String[] {"org.apache.spark.internal.config.package$", "org.apache.spark.internal.config.History$",
            "org.apache.spark.internal.config.UI$", "org.apache.spark.internal.config.Kryo$",
            "org.apache.spark.internal.config.Network$", "org.apache.spark.internal.config.Deploy$",
            "org.apache.spark.internal.config.Worker$", "org.apache.spark.sql.internal.SQLConf$",
            "org.apache.spark.deploy.k8s.Config$", "org.apache.spark.deploy.yarn.config.package$"}) {
            try {
                Class.forName(c).getField("MODULE$").get(null);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(c, e);
            }
        }
    }

    static Map<String, String> read(Path conf) throws Exception {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(conf)) {
            p.load(r); // the format spark-submit's --properties-file reads
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (String k : p.stringPropertyNames()) {
            m.put(k, p.getProperty(k).strip());
        }
        return m;
    }

    /** A key Spark registers a config entry for, reads by prefix, or spark-submit itself reads; or the product's own. */
    static boolean known(String key) {
        return ConfigEntry.findEntry(key) != null || PREFIXES.stream().anyMatch(key::startsWith)
                || LAUNCHER_KEYS.contains(key);
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "standalone", "yarn", "k8s"})
    void everyKeyIsOneSparkKnowsAndTheSweepsSettingsAreThere(String target) throws Exception {
        Map<String, String> conf = read(Scripts.HERE.resolve("spark-defaults/" + target + ".conf"));
        List<String> unknown = new ArrayList<>();
        for (String k : conf.keySet()) {
            if (!known(k)) {
                unknown.add(k);
            }
        }
        assertEquals(List.of(), unknown, target + ".conf: keys Spark does not know");
        assertEquals("org.apache.spark.serializer.KryoSerializer", conf.get("spark.serializer"));
        assertEquals("true", conf.get("spark.kryo.registrationRequired"));
        assertEquals("org.ranksweep.sweep.spark.SweepKryoRegistrator", conf.get("spark.kryo.registrator"));
        assertEquals("1", conf.get("spark.task.cpus"));
        assertEquals("1", conf.get("spark.ranksweep.threadsPerTask"));
        if (!target.equals("local")) {
            // one BLAS thread per task slot, off-heap room for ND4J, a cache per executor, history, security
            assertEquals("1", conf.get("spark.executorEnv.OMP_NUM_THREADS"));
            assertEquals("1", conf.get("spark.executorEnv.OPENBLAS_NUM_THREADS"));
            // AVX2 kernels: ND4J's OpenBLAS computes DTRMM wrongly with its AVX-512 ones (BlasCheck)
            assertEquals("Haswell", conf.get("spark.executorEnv.OPENBLAS_CORETYPE"));
            String opts = conf.get("spark.executor.extraJavaOptions");
            assertTrue(opts.contains("-Dorg.bytedeco.javacpp.cachedir=") && opts.contains("-Dorg.bytedeco.javacpp.maxbytes=")
                    && opts.contains("-Dorg.bytedeco.javacpp.maxphysicalbytes="), opts);
            long heap = bytes(conf.get("spark.executor.memory"));
            long overhead = bytes(conf.get("spark.executor.memoryOverhead"));
            long maxBytes = bytes(javaOpt(opts, "maxbytes"));
            long maxPhysical = bytes(javaOpt(opts, "maxphysicalbytes"));
            assertTrue(overhead >= maxBytes, "memoryOverhead covers javacpp's maxbytes");
            assertTrue(maxPhysical <= heap + overhead && maxPhysical >= heap + maxBytes,
                    "maxphysicalbytes between heap + maxbytes and the container size");
            assertEquals("true", conf.get("spark.eventLog.enabled"));
            assertNotNull(conf.get("spark.eventLog.dir"));
            assertEquals("true", conf.get("spark.authenticate"));
            assertEquals("true", conf.get("spark.network.crypto.enabled"));
            assertEquals("true", conf.get("spark.io.encryption.enabled"));
        }
    }

    /** SWEEP_JIT_OPTS of jit-options.sh, as bash reads the array. */
    private static List<String> jitOptions() throws Exception {
        Scripts.Result r = Scripts.run(1, "bash", "-c", "source \"$1\" && printf '%s\\n' \"${SWEEP_JIT_OPTS[@]}\"", "_",
                Scripts.HERE.resolve("jit-options.sh").toString());
        assertEquals(0, r.code(), r.err());
        List<String> opts = List.of(r.out().strip().split("\n"));
        assertTrue(opts.size() == 4 && opts.stream().allMatch(o -> o.startsWith("-XX:Tier4")), opts.toString());
        return opts;
    }

    @Test
    void theJitOptionsAreFlagsTheJvmTakesAndEveryLauncherPassesThem() throws Exception {
        List<String> opts = jitOptions();
        // HotSpot refuses an unknown or malformed -XX flag: a typo here fails at once, not on a cluster
        List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        java.addAll(opts);
        java.add("-XX:+PrintFlagsFinal");
        java.add("-version");
        Scripts.Result v = Scripts.run(1, java.toArray(new String[0]));
        assertEquals(0, v.code(), v.err());
        for (String o : opts) {
            String[] kv = o.substring("-XX:".length()).split("=", 2);
            assertTrue(v.out().matches("(?s).*\\b" + kv[0] + "\\s+= " + kv[1] + "\\b.*"), o + " in effect");
        }
        // submit.sh gives them to the driver and the executors Spark launches, on every target, as the keys Spark
        // puts before extraJavaOptions (the properties files' javacpp settings stay), before the user's --conf
        String joined = String.join(" ", opts);
        List<List<String>> submits = List.of(
                dryRun("local", GRID, "results/smoke", "--conf", "spark.executor.cores=2"),
                dryRun("standalone", GRID, "file:///data/sweeps/smoke", "--master", "spark://head:7077"),
                dryRun("yarn", GRID, "hdfs:///sweeps/smoke", "--jar", "hdfs:///apps/rank-sweep/sweep-job.jar"),
                dryRun("k8s", GRID, "s3a://bucket/sweeps/smoke", "--master", "k8s://https://10.0.0.1:6443",
                        "--image", "registry.example.com/rank-sweep:0.1.0", "--upload-path", "s3a://bucket/uploads"));
        for (List<String> w : submits) {
            List<String> c = confs(w);
            for (String key : List.of("spark.driver.defaultJavaOptions", "spark.executor.defaultJavaOptions")) {
                assertTrue(known(key), key);
                assertTrue(c.contains(key + "=" + joined), key + " in " + c);
            }
        }
        List<String> local = confs(submits.get(0));
        assertTrue(local.indexOf("spark.executor.defaultJavaOptions=" + joined) < local.indexOf("spark.executor.cores=2"),
                "the user's --conf comes later and wins");
        // submit.sh's own JVM when it runs SparkSubmit from a SPARK_HOME of jars only
        Path sparkHome = Files.createTempDirectory("spark-home");
        try {
            Files.createDirectory(sparkHome.resolve("jars"));
            List<String> w = dryRun("local", GRID, "results/smoke", "--spark-home", sparkHome.toString());
            int main = w.indexOf("org.apache.spark.deploy.SparkSubmit");
            assertTrue(main > 0 && w.subList(0, main).containsAll(opts), w.toString());
        } finally {
            Files.delete(sparkHome.resolve("jars"));
            Files.delete(sparkHome);
        }
        // bin/sweep takes them from the same file, before SWEEP_JAVA_OPTS
        String sweep = Files.readString(Scripts.ROOT.resolve("bin/sweep"));
        assertTrue(sweep.contains("jit-options.sh\"") && sweep.contains("\"${SWEEP_JIT_OPTS[@]}\" ${SWEEP_JAVA_OPTS"), sweep);
    }

    private static String javaOpt(String opts, String name) {
        for (String o : opts.split("\\s+")) {
            if (o.startsWith("-Dorg.bytedeco.javacpp." + name + "=")) {
                return o.substring(o.indexOf('=') + 1);
            }
        }
        throw new AssertionError(name + " not in " + opts);
    }

    private static long bytes(String v) {
        long n = Long.parseLong(v.substring(0, v.length() - 1));
        return switch (Character.toLowerCase(v.charAt(v.length() - 1))) {
            case 'g' -> n << 30;
            case 'm' -> n << 20;
            default -> throw new AssertionError("size " + v);
        };
    }

    private static List<String> dryRun(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(SUBMIT.toString()));
        cmd.addAll(List.of(args));
        cmd.add(4, "--dry-run"); // after TARGET GRID OUT, before any `--`
        Scripts.Result r = Scripts.run(1, cmd.toArray(new String[0]));
        assertEquals(0, r.code(), r.err());
        return Scripts.shellWords(r.out().strip());
    }

    private static String after(List<String> words, String flag) {
        int i = words.indexOf(flag);
        assertTrue(i >= 0 && i + 1 < words.size(), flag + " in " + words);
        return words.get(i + 1);
    }

    private static List<String> confs(List<String> words) {
        List<String> c = new ArrayList<>();
        for (int i = 0; i + 1 < words.size(); i++) {
            if (words.get(i).equals("--conf")) {
                c.add(words.get(i + 1));
            }
        }
        return c;
    }

    @Test
    void yarnSubmitsInClusterModeWithTheGridShippedBesideTheDriver() throws Exception {
        List<String> w = dryRun("yarn", GRID, "hdfs:///sweeps/smoke", "--jar", "hdfs:///apps/rank-sweep/sweep-job.jar");
        assertEquals("spark-submit", w.get(0));
        assertEquals("yarn", after(w, "--master"));
        assertEquals("cluster", after(w, "--deploy-mode"));
        assertEquals(Scripts.HERE.resolve("spark-defaults/yarn.conf").toString(), after(w, "--properties-file"));
        assertEquals(GRID, after(w, "--files"));
        assertEquals("org.ranksweep.sweep.cli.SweepMain", after(w, "--class"));
        int jar = w.indexOf("hdfs:///apps/rank-sweep/sweep-job.jar");
        assertEquals(List.of("run", "smoke.yaml", "--out", "hdfs:///sweeps/smoke"), w.subList(jar + 1, w.size()));
    }

    @Test
    void kubernetesSubmitsTheImagesJarWithThePodTemplate() throws Exception {
        List<String> w = dryRun("k8s", GRID, "s3a://bucket/sweeps/smoke", "--master", "k8s://https://10.0.0.1:6443",
                "--image", "registry.example.com/rank-sweep:0.1.0", "--upload-path", "s3a://bucket/uploads",
                "--", "--batch", "64");
        assertEquals("k8s://https://10.0.0.1:6443", after(w, "--master"));
        assertEquals("cluster", after(w, "--deploy-mode"));
        List<String> c = confs(w);
        assertTrue(c.contains("spark.kubernetes.container.image=registry.example.com/rank-sweep:0.1.0"), c.toString());
        assertTrue(c.contains("spark.kubernetes.file.upload.path=s3a://bucket/uploads"), c.toString());
        String template = c.stream().filter(s -> s.startsWith("spark.kubernetes.executor.podTemplateFile=")).findFirst()
                .orElseThrow().split("=", 2)[1];
        for (String kv : c) {
            assertTrue(known(kv.split("=", 2)[0]), kv);
        }
        int jar = w.indexOf("local:///opt/rank-sweep/sweep-job.jar");
        assertTrue(jar > 0, w.toString());
        assertEquals(List.of("run", "smoke.yaml", "--out", "s3a://bucket/sweeps/smoke", "--batch", "64"),
                w.subList(jar + 1, w.size()));

        // the template as Spark's Kubernetes client reads it
        Pod pod;
        try (InputStream in = Files.newInputStream(Path.of(template))) {
            pod = Serialization.unmarshal(in, Pod.class);
        }
        Container exec = pod.getSpec().getContainers().get(0);
        Map<String, String> env = new LinkedHashMap<>();
        exec.getEnv().forEach(e -> env.put(e.getName(), e.getValue()));
        assertEquals("1", env.get("OMP_NUM_THREADS"));
        assertEquals("Haswell", env.get("OPENBLAS_CORETYPE"));
        assertTrue(exec.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/var/cache/javacpp")),
                "the javacpp cache directory of k8s.conf is the pod's own volume");
        assertTrue(pod.getSpec().getVolumes().stream().anyMatch(v -> v.getEmptyDir() != null));
        assertEquals(Boolean.TRUE, pod.getSpec().getSecurityContext().getRunAsNonRoot());
        // the image puts the jar where the submission points
        String dockerfile = Files.readString(Scripts.HERE.resolve("k8s/Dockerfile"));
        assertTrue(dockerfile.contains("/opt/rank-sweep/sweep-job.jar"), "Dockerfile copies the jar to the submitted path");
        assertTrue(dockerfile.matches("(?s).*FROM apache/spark:4\\.0\\.1-scala2\\.13-java17.*"), "Spark 4.0.1, Scala 2.13, Java 17");
    }

    @Test
    void standaloneAndLocalRunTheShadedJarInClientMode() throws Exception {
        List<String> s = dryRun("standalone", GRID, "file:///data/sweeps/smoke", "--master", "spark://head:7077",
                "--conf", "spark.executor.cores=8");
        assertEquals("spark://head:7077", after(s, "--master"));
        assertEquals("client", after(s, "--deploy-mode"));
        assertTrue(confs(s).contains("spark.executor.cores=8"));
        assertTrue(s.get(s.indexOf("--class") + 2).endsWith("-spark-submit.jar"), s.toString());
        assertEquals(GRID, s.get(s.indexOf("run") + 1), "client mode reads the grid where it is");
        List<String> l = dryRun("local", GRID, "results/smoke");
        assertEquals("local[*]", after(l, "--master"));
        assertTrue(after(l, "--out").startsWith("/"), "a relative OUT is made absolute");
    }

    @Test
    void badInputIsRefusedNamingTheArgumentAndValue() throws Exception {
        String[][] cases = {
            {"mesos", GRID, "file:///x", "TARGET 'mesos'"},
            {"yarn", "/no/such/grid.yaml", "hdfs:///x", "GRID '/no/such/grid.yaml'"},
            {"yarn", GRID, "/tmp/out", "OUT '/tmp/out'"},
            {"k8s", GRID, "file:///tmp/out", "OUT 'file:///tmp/out'"},
            {"standalone", GRID, "gs://bucket/x", "OUT 'gs://bucket/x'"},
            {"standalone", GRID, "/tmp/out", "--master is required"},
            {"standalone", GRID, "/tmp/out", "--master", "spark:/head", "--master 'spark:/head'"},
            {"k8s", GRID, "s3a://b/o", "--master", "k8s://https://h:6443", "--image is required"},
            {"local", GRID, "/tmp/out", "--conf", "executor.cores=2", "--conf 'executor.cores=2'"},
            {"local", GRID, "/tmp/out", "--bogus", "unknown option '--bogus'"},
        };
        for (String[] c : cases) {
            List<String> cmd = new ArrayList<>(List.of(SUBMIT.toString()));
            cmd.addAll(List.of(c).subList(0, c.length - 1));
            cmd.add("--dry-run");
            Scripts.Result r = Scripts.run(1, cmd.toArray(new String[0]));
            assertEquals(2, r.code(), String.join(" ", cmd) + "\n" + r.err());
            assertTrue(r.err().contains(c[c.length - 1]), "message names it: " + r.err());
        }
        Scripts.Result r = Scripts.run(1, Scripts.HERE.resolve("local-cluster.sh").toString(), "up", "--workers", "two");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--workers 'two'"), r.err());
    }
}
