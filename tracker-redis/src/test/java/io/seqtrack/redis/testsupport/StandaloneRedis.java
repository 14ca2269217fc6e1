package io.seqtrack.redis.testsupport;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * A standalone Redis for tests: a Testcontainers container where a Docker engine exists, a local
 * {@code redis-server} process otherwise — never a mock. The choice is printed.
 *
 * <ul>
 *   <li>Image: {@code -Dseqtrack.redis.image=…} or {@code SEQTRACK_REDIS_IMAGE}; default the official
 *       {@value #DEFAULT_IMAGE}. Machines without Docker Hub build a local image from the installed binary with
 *       {@code .ci/redis-image.sh}.</li>
 *   <li>{@code SEQTRACK_REDIS_MODE=container} requires the container (CI sets it once its engine is up);
 *       {@code =process} forces the process; unset ({@code auto}) uses a container only when an image was chosen
 *       explicitly ({@code SEQTRACK_REDIS_IMAGE}) and an engine answers — an unconfigured Testcontainers on a machine
 *       without Docker Hub spends minutes failing to pull its helper images before it gives up.</li>
 * </ul>
 */
public final class StandaloneRedis implements AutoCloseable {

    public static final String DEFAULT_IMAGE = "redis:7.2";

    private final GenericContainer<?> container;
    private final RedisProcess process;

    private StandaloneRedis(GenericContainer<?> container, RedisProcess process) {
        this.container = container;
        this.process = process;
    }

    public static StandaloneRedis start() {
        String mode = System.getenv().getOrDefault("SEQTRACK_REDIS_MODE", "auto");
        String chosenImage = System.getProperty("seqtrack.redis.image", System.getenv("SEQTRACK_REDIS_IMAGE"));
        boolean wanted = "container".equals(mode) || ("auto".equals(mode) && chosenImage != null);
        if (wanted && dockerAvailable()) {
            String image = chosenImage != null ? chosenImage : DEFAULT_IMAGE;
            try {
                GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(image)
                        .asCompatibleSubstituteFor("redis"))
                        .withExposedPorts(6379)
                        .withCommand("--bind", "0.0.0.0", "--protected-mode", "no", "--save", "", "--appendonly", "no")
                        .waitingFor(Wait.forLogMessage(".*Ready to accept connections.*\\n", 1));
                container.start();
                System.out.println("[seqtrack] standalone Redis: Testcontainers container of image " + image);
                return new StandaloneRedis(container, null);
            } catch (RuntimeException e) {
                if ("container".equals(mode)) {
                    throw e;
                }
                System.out.println("[seqtrack] standalone Redis: container of " + image + " failed to start ("
                        + e.getMessage() + "); falling back to a local redis-server process");
            }
        } else if ("container".equals(mode)) {
            throw new IllegalStateException("SEQTRACK_REDIS_MODE=container but no Docker engine is available");
        } else if (wanted) {
            System.out.println("[seqtrack] standalone Redis: no Docker engine found — using a local redis-server process");
        } else {
            System.out.println("[seqtrack] standalone Redis: local redis-server process (SEQTRACK_REDIS_MODE=container or "
                    + "SEQTRACK_REDIS_IMAGE selects Testcontainers)");
        }
        return new StandaloneRedis(null, RedisProcess.start());
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    public String uri() {
        return container != null
                ? "redis://" + container.getHost() + ":" + container.getMappedPort(6379)
                : process.uri();
    }

    public boolean isContainer() {
        return container != null;
    }

    @Override
    public void close() {
        if (container != null) {
            container.stop();
        }
        if (process != null) {
            process.close();
        }
    }
}
