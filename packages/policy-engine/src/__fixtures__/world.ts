/** A small hand-written world used by the CNP semantics tests. */
export const WORLD_YAML = `
apiVersion: v1
kind: Namespace
metadata: { name: shop, labels: { team: shop, env: prod } }
---
apiVersion: v1
kind: Namespace
metadata: { name: pay, labels: { team: pay, env: prod } }
---
apiVersion: v1
kind: Namespace
metadata: { name: dev, labels: { team: shop, env: dev } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: frontend, namespace: shop }
spec:
  template:
    metadata: { labels: { app: frontend, tier: web } }
    spec:
      containers:
        - name: web
          ports: [{ name: http, containerPort: 8080 }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: checkout, namespace: shop }
spec:
  template:
    metadata: { labels: { app: checkout, tier: api } }
    spec:
      serviceAccountName: checkout-sa
      containers:
        - name: api
          ports: [{ name: grpc, containerPort: 5050 }, { name: metrics, containerPort: 9090 }]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db, namespace: shop }
spec:
  template:
    metadata: { labels: { app: db } }
    spec:
      containers:
        - name: pg
          ports: [{ name: pg, containerPort: 5432 }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: payments, namespace: pay }
spec:
  template:
    metadata: { labels: { app: payments, tier: api } }
    spec:
      containers:
        - name: api
          ports: [{ name: https, containerPort: 8443 }, { name: dns-udp, containerPort: 5353, protocol: UDP }]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: agent, namespace: dev }
spec:
  template:
    metadata: { labels: { app: agent } }
    spec:
      containers: [{ name: a }]
---
apiVersion: v1
kind: Service
metadata: { name: payments, namespace: pay, labels: { expose: "true" } }
spec:
  selector: { app: payments }
  ports: [{ port: 443, targetPort: 8443 }]
`;
