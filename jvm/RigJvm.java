import java.io.BufferedReader;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * What every kafka08 rig JVM shares, whichever Kafka version it is compiled against: JDK classes
 * only, so the same source builds next to the 0.8 Scala API (Kafka08Tool) and next to the Java
 * clients of 0.9 to 3.9 (KafkaClientsTool).
 *
 *   launch [--watch-stdin] [--watch-pid=PID] -- MainClass args...   run ZooKeeper/Kafka under a watchdog
 *   serve                                                           one tab-separated command per stdin line
 */
public final class RigJvm {
  private RigJvm() {}

  /** One helper command: arguments in, a reply string out, any exception a failed command. */
  public interface Dispatcher {
    String dispatch(String[] args) throws Exception;
  }

  public static void main(String[] args) throws Throwable {
    if (args.length == 0 || !args[0].equals("launch")) {
      System.err.println("usage: RigJvm launch [--watch-stdin] [--watch-pid=PID] -- MainClass args...");
      System.exit(2);
    }
    launch(Arrays.copyOfRange(args, 1, args.length));
  }

  /** The entry point of a helper: `serve`, or one command whose reply goes to stdout. */
  public static void runTool(String[] args, Dispatcher dispatcher) throws Throwable {
    if (args.length == 0) {
      System.err.println("usage: serve | <command> ...");
      System.exit(2);
    }
    // Kafka's classes may print to System.out; keep the real stdout for our replies only.
    PrintStream out = new PrintStream(new FileOutputStream(java.io.FileDescriptor.out), true, "UTF-8");
    System.setOut(System.err);
    if (args[0].equals("serve")) {
      serve(out, dispatcher);
      return;
    }
    try {
      out.println(dispatcher.dispatch(args));
      System.exit(0);
    } catch (Throwable t) {
      System.err.println("ERROR " + describe(t));
      System.exit(1);
    }
  }

  static void launch(String[] args) throws Throwable {
    int i = 0;
    boolean watchStdin = false;
    long watchPid = -1;
    while (i < args.length && !args[i].equals("--")) {
      if (args[i].equals("--watch-stdin")) watchStdin = true;
      else if (args[i].startsWith("--watch-pid=")) watchPid = Long.parseLong(args[i].substring(12));
      else throw new IllegalArgumentException("unknown launch option " + args[i]);
      i++;
    }
    if (i + 1 >= args.length) throw new IllegalArgumentException("launch needs -- MainClass");
    String mainClass = args[i + 1];
    String[] mainArgs = Arrays.copyOfRange(args, i + 2, args.length);
    if (watchStdin) {
      // Node holds our stdin open; EOF means it is gone (even after SIGKILL), so we go too.
      startDaemon("kafka08-stdin-watchdog", () -> {
        InputStream in = System.in;
        byte[] buf = new byte[256];
        try {
          while (in.read(buf) >= 0) {}
        } catch (IOException ignored) {
        }
        Runtime.getRuntime().halt(137);
      });
    }
    if (watchPid > 0) {
      // A ProcessHandle remembers the start time, so a recycled pid does not look alive.
      final ProcessHandle owner = ProcessHandle.of(watchPid).orElse(null);
      if (owner == null || !owner.isAlive()) Runtime.getRuntime().halt(137);
      startDaemon("kafka08-pid-watchdog", () -> {
        while (true) {
          if (!owner.isAlive()) Runtime.getRuntime().halt(137);
          try {
            Thread.sleep(300);
          } catch (InterruptedException e) {
            return;
          }
        }
      });
    }
    Method main = Class.forName(mainClass).getMethod("main", String[].class);
    try {
      main.invoke(null, (Object) mainArgs);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private static void startDaemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
  }

  private static void serve(PrintStream out, Dispatcher dispatcher) throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    out.println("READY");
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isEmpty()) continue;
      String[] parts = line.split("\t", -1);
      for (int k = 0; k < parts.length; k++) {
        parts[k] = new String(Base64.getDecoder().decode(parts[k]), StandardCharsets.UTF_8);
      }
      String reply;
      try {
        if (parts[0].equals("ping")) reply = "OK\t" + b64("pong");
        else reply = "OK\t" + b64(dispatcher.dispatch(parts));
      } catch (Throwable t) {
        t.printStackTrace(System.err);
        reply = "ERR\t" + b64(describe(t));
      }
      out.println(reply);
    }
    // stdin EOF: our Node owner is gone or done with us.
    Runtime.getRuntime().halt(0);
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  public static String describe(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (sb.length() > 0) sb.append(" <- ");
      sb.append(c.getClass().getName()).append(": ").append(c.getMessage());
      if (c.getCause() == c) break;
    }
    return sb.toString();
  }

  public static void need(String[] a, int n, String usage) {
    if (a.length != n) throw new IllegalArgumentException("usage: " + usage);
  }
}
