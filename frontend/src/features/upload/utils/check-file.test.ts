import { checkFile } from "@/features/upload/utils/check-file";

describe("checkFile", () => {
  it("accepts csv, tsv, txt and gzipped csv within the limit", () => {
    for (const name of ["a.csv", "b.TSV", "c.txt", "d.csv.gz"]) {
      expect(checkFile({ name, size: 10 }, 100)).toBeNull();
    }
  });

  it("refuses other extensions and names the accepted ones", () => {
    expect(checkFile({ name: "report.xlsx", size: 10 }, 100)).toMatch(/not a CSV file.*\.csv, \.tsv/);
    expect(checkFile({ name: "archive.gz", size: 10 }, 100)).toMatch(/not a CSV file/);
  });

  it("refuses an empty file", () => {
    expect(checkFile({ name: "a.csv", size: 0 }, 100)).toMatch(/is empty/);
  });

  it("refuses a file over the server's limit, with both sizes", () => {
    expect(checkFile({ name: "big.csv", size: 3 * 1024 * 1024 }, 1024 * 1024)).toBe(
      "“big.csv” is 3.0 MB; the limit is 1.0 MB.",
    );
  });

  it("skips the size check while the limit is unknown", () => {
    expect(checkFile({ name: "big.csv", size: 10 ** 12 }, undefined)).toBeNull();
  });
});
