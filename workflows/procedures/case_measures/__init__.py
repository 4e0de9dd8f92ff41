"""Evidence preservation and coercive measures of a case (先行登记保存, 查封、扣押)."""
