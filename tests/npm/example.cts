// The CommonJS view of the package (`require("vnum")`, types from index.d.cts), type-checked too.
import vnum = require("vnum");

export async function balance(): Promise<number> {
  const client = new vnum.Vnum({ baseUrl: "https://my-worker.example/api/v1", token: "tok" });
  try {
    return (await client.balance()).balance;
  } catch (error) {
    if (error instanceof vnum.VnumError && error.code === "UNAUTHORIZED") return -1;
    throw error;
  }
}
